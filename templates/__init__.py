"""Every word Sitrep posts, as Jinja2 templates.

This folder is a package only so that the templates ship inside the wheel as
package data: an installed Sitrep finds them next to its code, whatever the
working directory. It holds no code; ``bot/render.py`` loads the files.
"""
