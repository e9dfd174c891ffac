"""Figures: Plotly charts (`plots`), overlays on the latent scatter (`overlays`), and PNGs for slides
(`panels`: labelled image panels; `scatter_png`: a scatter as a PNG)."""
