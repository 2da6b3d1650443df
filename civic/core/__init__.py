"""Cross-cutting pieces every area uses: database base, sanitizer, i18n, htmx rendering, headers."""
