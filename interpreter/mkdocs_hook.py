"""MkDocs hook: regenerate the pages made from rules/ before every build, so
`mkdocs build` and `mkdocs serve` always show the rule set as it is."""

from pathlib import Path


def on_pre_build(config, **kwargs):
    from interpreter.docs import write_docs

    write_docs(Path(config.config_file_path).parent)
