// Being written: see projections/runner.hpp for the model interface.
