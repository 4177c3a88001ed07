"""The emulator as a local sandbox: a Slack-like page over its workspace, wired to an app.

``python -m emulator --app-url ... --signing-secret ...`` attaches a ``Sandbox``:
what a person does on the page becomes the signed request Slack would send the
app, and what the app does shows up on the page as it happens.
"""

from emulator.sandbox.hub import Sandbox

__all__ = ["Sandbox"]
