"""Tables the torch-free compiler keeps must match the runtime's data."""

from shotspec.compiler.tables import FILM_STOCKS
from shotspec.runtime.finishing import STOCKS


def test_compiler_knows_exactly_the_runtime_film_stocks():
    assert set(FILM_STOCKS) == set(STOCKS)
