"""Quarto's post-render step (`post-render:` in _quarto.yml): Quarto runs this file with
the project's Python (QUARTO_PYTHON) in the project folder after every render; the work
is done by `sitebuild.postrender`."""

from sitebuild.postrender import main

raise SystemExit(main())
