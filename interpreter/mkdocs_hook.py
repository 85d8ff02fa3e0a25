"""MkDocs hook: regenerate the pages made from rules/ before every build, so
`mkdocs build` and `mkdocs serve` always show the rule set as it is."""

from pathlib import Path


def on_pre_build(config, **kwargs):
    from mkdocs.exceptions import PluginError

    from regels.diagnostics import RegelsError
    from regels.docs import write_docs

    try:
        write_docs(Path(config.config_file_path).parent)
    except (RegelsError, ValueError) as exc:  # the located messages, not a traceback
        raise PluginError(f"regels docs: {exc}") from None
