"""The text models behind needs discovery: one interface (`TextModel`), chosen by
`settings.NEEDS_TEXT_MODEL`. Everything runs offline on this machine; no text leaves it.

`rules.RuleModel` is the keyword baseline every model is measured against (tests/needs)."""
