"""The resident portal's shell: one light renderer for every `/property…` page.

Frappe v15 renders a portal page by building a new Jinja environment per request and compiling
`web.html`, `base.html` and their includes again each time, after assembling the website context
(settings, navbar, footer) and a routing map of every app's dynamic routes. That is ~150 ms here, before
any of our own work. The portal pages are instead rendered by `PortalPage` (a `page_renderer` hook, still
inside Frappe's request: session, CSRF, translations and the response pipeline are Frappe's) from our
own templates, compiled once per process. Each module adds its pages (`portal_pages`), the functions its
templates call (`portal_template_functions`) and its part of the home page (`portal_home`) in hooks.py;
its templates live in its own `templates/portal` folder."""
