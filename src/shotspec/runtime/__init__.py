"""shotspec.runtime: the torch back end (executes a plan)."""

from shotspec.runtime.threads import configure_openmp

# Before any runtime module imports torch: libgomp reads its wait policy once, when it loads.
configure_openmp()
