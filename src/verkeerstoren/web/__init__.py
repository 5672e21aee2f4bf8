"""The thin web shell: app wiring, authentication, CSRF, templates, translations and errors."""
