"""Services: the actions of the app. Each public function is one transaction and commits it."""
