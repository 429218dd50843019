"""Offers after intake: coordinators set them aside for needs, mark them given, withdraw or reopen them."""
