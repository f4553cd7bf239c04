"""The field staff's phone workspace (`/field`, issue 20): technicians, cleaners, guards and gardeners
(role Property Technician) see the jobs assigned to them and do them on the spot; dispatchers see the board.

- `jobs` — what the pages read (my jobs by tab, one job, the actions this user may press now), through
  Frappe's permission checks, with a fixed number of queries whatever the volume;
- `pages` — the pages of the portal shell (`/field`, `/field/jobs/<name>`), the service worker and the
  web app manifest;
- `board` — the dispatcher board (`/field/board`): today's open orders by technician, reassigning;
- `api` — the phone's writes: workflow actions with notes, hours and materials (`act`, with Frappe's
  `modified` check answered as HTTP 409 and replays of the phone's queued changes answered once),
  completion photos, the resident's confirmation (signature or SMS code), item search, the unit's history.

The pure rules (SLA state, order and tabs of the list, the checks of what the phone sends) are in
`property_service.rules.field`. Every rule of the desk holds here too: need-to-know, the workflow's role
checks and conditions, estate restrictions — all decided on the server.
"""
