from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext, ngettext

from accounts.services.integrity import ledger_problems


class Command(BaseCommand):
    @property
    def help(self):
        # argparse needs a real str, so the help text is translated when it is read.
        return gettext(
            "Verifica los invariantes del libro mayor y termina con error si alguno falla."
        )

    def handle(self, *args, **options):
        problems = ledger_problems()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(
                ngettext(
                    "%(count)s problema en el libro mayor.",
                    "%(count)s problemas en el libro mayor.",
                    len(problems),
                )
                % {"count": len(problems)}
            )
        self.stdout.write(
            self.style.SUCCESS(gettext("Libro mayor correcto: todos los invariantes se cumplen."))
        )
