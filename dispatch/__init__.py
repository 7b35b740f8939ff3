"""park-dispatch: size and schedule the energy system of an industrial park."""

__version__ = "0.1.0"
