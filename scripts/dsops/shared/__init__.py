"""The shared layer every domain and page uses: paths, errors, files, the plotting
theme, tables, the pipeline runner, the model store and benchmark records."""
