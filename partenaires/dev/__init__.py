"""Development only: demo data and benchmark generators. Production code never imports this package."""
