{{ base_campaign_enrollments(source('platform', 'campaign_enrollments')) }}
