"""feedback-nlp: Chinese customer-feedback and complaint classification with alerting."""

__version__ = "0.1.0"
