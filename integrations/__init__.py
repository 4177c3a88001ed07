"""Outside services Sitrep talks to: pagers, trackers and status pages.

Each service lives in its own subpackage (``integrations/<name>/``) holding its
``settings.py`` (what it reads from the YAML file and the environment), its
``client.py`` (the only code that speaks the vendor's protocol) and its
``fake.py`` (a loopback stand-in that tests point the client at). The rest of
Sitrep sees a service only through the small interface of its kind in
``integrations.kinds``, so a new tracker is one subpackage plus one fake, and
listing it in ``integrations.registry``.
"""
