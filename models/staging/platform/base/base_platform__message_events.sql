{{ base_message_events(source('platform', 'message_events')) }}
