from django.core.management.base import BaseCommand

from programmes.pictures.share_images import build_all, images_root


class Command(BaseCommand):
    help = (
        "Draw every record's share image (1200×630 PNG) for the loaded catalogue version, "
        "and remove the images of other versions."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep-old", action="store_true", help="keep the images of other versions"
        )

    def handle(self, *args, keep_old, **options):
        version, count = build_all(prune=not keep_old)
        self.stdout.write(f"{count} share images for version {version} in {images_root()}")
