"""sitebuild: the site's build tooling (Quarto project model, page runner, site checker,
Quarto set-up, CI summary, browser checks) and its command, `sitebuild`. Pages and the
`dsops` command never import it; it may use `dsops.shared`."""
