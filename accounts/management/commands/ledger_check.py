from django.core.management.base import BaseCommand, CommandError

from accounts.services.integrity import ledger_problems


class Command(BaseCommand):
    help = "Verifica los invariantes del libro mayor y termina con error si alguno falla."

    def handle(self, *args, **options):
        problems = ledger_problems()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"{len(problems)} problema(s) en el libro mayor.")
        self.stdout.write(
            self.style.SUCCESS("Libro mayor correcto: todos los invariantes se cumplen.")
        )
