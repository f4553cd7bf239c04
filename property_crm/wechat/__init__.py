"""The WeChat Official Account channel (微信公众号): protocol (pure), API client, callback endpoint, binding."""
