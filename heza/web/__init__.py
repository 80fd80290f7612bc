"""`heza web`: the zones' check-and-submit page (app.py), its sessions (auth.py), storage and checking."""
