{{ base_messages(source('platform', 'messages')) }}
