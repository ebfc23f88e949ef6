"""The static files' storage: whitenoise's compressed, hashed names once `collectstatic` has run,
and until then the files' own names, so that a fresh checkout's `runserver` renders its pages
(instead of a 500 for each missing manifest entry) and whitenoise serves the files from
`static/` (settings.WHITENOISE_USE_FINDERS)."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def stored_name(self, name):
        if not self.hashed_files:  # no manifest yet: nothing collected, nothing hashed
            return name
        return super().stored_name(name)
