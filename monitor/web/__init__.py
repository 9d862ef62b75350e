"""The read-only web dashboard: pages (pure), the SVG timeline (pure), the Starlette
application and the server that runs it (`policy-monitor web`, and the daemon)."""
