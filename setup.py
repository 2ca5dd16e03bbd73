"""Package layout that ``pyproject.toml`` alone cannot express.

The shipped data lives in top-level folders of the checkout (``models/``, ``lexicons/``, ``rules/``)
so operators and training runs find it where the docs say. A wheel carries each folder as a data-only
package (``feedback_nlp_models`` ...), which ``feedback_nlp.paths`` falls back to when the checkout
folders are not beside the code: a non-editable ``pip install`` classifies with the shipped model
and rules, offline, like an editable one.
"""

from setuptools import find_packages, setup

CODE = ["feedback_nlp", "feedback_nlp_cli", "service", "training"]
ASSETS = {"feedback_nlp_models": "models", "feedback_nlp_lexicons": "lexicons", "feedback_nlp_rules": "rules"}

setup(
    packages=find_packages(include=[p + suffix for p in CODE for suffix in ("", ".*")]) + list(ASSETS),
    package_dir=ASSETS,
    package_data={
        "feedback_nlp.data": ["*.yaml"],
        "service": ["static/*", "static/**/*", "channels.example.yaml", "migrations/script.py.mako"],
        **{package: ["*", "**/*"] for package in ASSETS},
    },
)
