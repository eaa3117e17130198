"""National standards used by the risk models (pure Python; never imports Django).

* :mod:`.regions` -- GB/T 2260 administrative division codes (行政区划代码)
* :mod:`.industries` -- GB/T 4754-2017 industry classification (国民经济行业分类)
* :mod:`.sme_size` -- SME size classes per 工信部联企业〔2011〕300号 (中小企业划型标准规定)

Submodules are not imported here so that ``import risk_models.standards.regions`` stays
light; import what you need from the submodules directly.
"""
