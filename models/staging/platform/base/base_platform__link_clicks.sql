{{ base_link_clicks(source('platform', 'link_clicks')) }}
