"""Wagtail CMS: the public portal, policies, news, events, FAQ and product showcase."""
