{{ base_calls(source('platform', 'calls')) }}
