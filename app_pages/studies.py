"""Studies: the tutorials' experiments, their stored results, and a quick rerun in the browser."""

import pandas as pd
import streamlit as st

from aelab import data, experiments
from aelab.experiments.figures import study_figure

# Parameter counts read better with thousands separators (101,200).
COLUMNS = {"parameters": st.column_config.NumberColumn(format="localized")}
TAB_LABELS = {
    "variants": "Variants",
    "pca": "AE vs PCA",
    "optimizers": "Optimizers",
    "losses": "Losses",
    "compression": "Compression ratio",
}

st.title("Studies")
st.markdown(
    "The experiments of the tutorials this app grew from, run in full on MNIST and stored with the app: "
    "which autoencoder variant reconstructs best, how an autoencoder compares with PCA at the same latent size "
    "(and whether its codes make good features), how the optimizer and the loss change training, and how far "
    "an image can be compressed. Each tab shows the stored result; **Rerun a quick version** repeats the study "
    "here on a small slice (2,000 training images, 2 epochs), so expect rougher numbers."
)
if "quick_results" not in st.session_state:
    st.session_state.quick_results = {}  # study -> result of a quick rerun in this session.


def show_result(res, key, charts_per_row=2):
    """Renders one study result: summary, tables, charts (`charts_per_row` side by side)."""
    st.markdown(f"**{res['summary']}**")
    table = res["table"]
    st.dataframe(
        pd.DataFrame(table["rows"], columns=table["columns"]),
        hide_index=True,
        column_config=COLUMNS,
        key=f"{key}_table",
    )
    for i, extra in enumerate(res.get("tables", [])):
        st.markdown(f"*{extra['title']}*")
        st.dataframe(
            pd.DataFrame(extra["rows"], columns=extra["columns"]),
            hide_index=True,
            column_config=COLUMNS,
            key=f"{key}_t{i}",
        )
    specs = res["charts"]
    for start in range(0, len(specs), charts_per_row):
        cols = st.columns(charts_per_row)
        for j, spec in enumerate(specs[start : start + charts_per_row]):
            cols[j].plotly_chart(study_figure(spec), key=f"{key}_chart{start + j}")
    b = res["budget"]
    st.caption(
        f"{b['train_size'] or 55000:,} training images, {b['test_size'] or 10000:,} test images, "
        f"{b['epochs']} epochs per model, seed {b['seed']}; ran {res['created']} in {res['seconds']:.0f} s "
        f"(TensorFlow {res['versions']['tensorflow']}, Keras {res['versions']['keras']})."
    )


def quick_rerun(study):
    """Runs the quick version of a study with a progress bar; keeps the result in the session."""
    with st.status(f"Quick run of '{TAB_LABELS[study]}'…", expanded=True) as status:
        bar = st.progress(0.0)
        line = st.empty()

        def progress(fraction, message):
            bar.progress(min(max(fraction, 0.0), 1.0))
            if message:
                line.write(message)

        try:
            res = experiments.run_study(study, experiments.budget_for(study, quick=True), progress=progress)
        except data.DataError as e:
            status.update(label="The quick run could not read the data", state="error")
            st.error(str(e))
            return
        status.update(label=f"Quick run finished in {res['seconds']:.0f} s", state="complete", expanded=False)
    st.session_state.quick_results[study] = res


tabs = st.tabs(list(TAB_LABELS.values()))
for study, tab in zip(TAB_LABELS, tabs, strict=True):
    with tab:
        st.subheader(experiments.TITLES[study])
        # First, so that a finished run shows at once beside the stored result below.
        if st.button("Rerun a quick version", key=f"rerun_{study}"):
            quick_rerun(study)
        stored = experiments.load_result(study)
        quick = st.session_state.quick_results.get(study)
        # With a quick rerun, the two side by side on a wide screen (one above the other on a
        # phone, where columns stack), each chart the width of its half.
        here, beside = st.columns(2, gap="large") if quick else (st.container(), None)
        with here:
            if quick:
                st.markdown("#### Stored result (full run)")
            if stored is None:
                st.info(f"No stored result yet: run `python -m aelab.experiments {study}` to make one.")
            else:
                show_result(stored, f"stored_{study}", charts_per_row=1 if quick else 2)
        if quick:
            with beside:
                st.markdown("#### Quick rerun (this session)")
                show_result(quick, f"quick_{study}", charts_per_row=1)
        st.caption(f"Command line: `python -m aelab.experiments {study}` (add `--quick` for the short version).")
