{{ base_contacts(source('platform', 'contacts')) }}
