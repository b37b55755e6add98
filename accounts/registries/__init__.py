"""Seams a higher layer fills from its ``AppConfig.ready``, so this app never imports it: the
position's sections (credits), which accounts a login may see (enterprise), the operations that
move money and who may order them (transfers, payments, credits; enterprise routes a company
user's submission into its approval engine)."""
