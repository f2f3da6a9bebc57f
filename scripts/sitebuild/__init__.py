"""sitebuild: the site's build tooling (Quarto project model, page runner, site checker,
Quarto set-up, CI summary). Pages never import it; the `dsops` command does."""
