"""Merchant insights: the social dividend made visible (社交红利 = 信息 × 关系链 × 互动).

Where buyers came from, who brought them, how far a share travelled, which circles live and
what the campaigns earned, read from the tracking rollups, the orders and the share tree. The
figures are computed by `figures` (and its siblings per area), behind the interface of
`store.Figures` so the same questions can move to a columnar engine; the pages and the API
only format them (docs/insights.md).
"""
