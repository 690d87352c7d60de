"""Start page, dashboards per role and the competency pages."""
