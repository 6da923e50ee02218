"""Helpers shared by the tests and the benchmarks: seeded stores and a running sandbox.

Neither the product's packages nor this one import the tests or the benchmarks."""
