"""CMDB browser UI, one module per sub-domain: CIs, relationships, classes, impact, baselines, imports, export."""
