"""Catalog: agencies, the services they publish, their forms and the documents they need."""
