"""nkru: recompute the economics of North Korea's troop deployment to Russia from sourced figures."""

__version__ = "0.2.0"
