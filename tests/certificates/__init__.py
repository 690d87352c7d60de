"""Tests of the final interview, the development plan and the certificate."""
