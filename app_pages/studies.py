"""Studies: the tutorials' experiments, their stored results, and a quick rerun in the browser."""

import pandas as pd
import streamlit as st

from aelab import data, experiments
from aelab.experiments import texts
from aelab.experiments.figures import study_figure
from aelab.i18n import N_, _

# Parameter counts read better with thousands separators (101,200).
NUMBER = st.column_config.NumberColumn(format="localized")
TAB_LABELS = {  # In English, shown as _(label).
    "variants": N_("Variants"),
    "pca": N_("AE vs PCA"),
    "optimizers": N_("Optimizers"),
    "losses": N_("Losses"),
    "compression": N_("Compression ratio"),
}

st.title(_("Studies"))
st.markdown(
    _(
        "The experiments of the tutorials this app grew from, run in full on MNIST and stored with the app: "
        "which autoencoder variant reconstructs best, how an autoencoder compares with PCA at the same latent size "
        "(and whether its codes make good features), how the optimizer and the loss change training, and how far "
        "an image can be compressed. Each tab shows the stored result; **Rerun a quick version** repeats the study "
        "here on a small slice (2,000 training images, 2 epochs), so expect rougher numbers."
    )
)
if "quick_results" not in st.session_state:
    st.session_state.quick_results = {}  # study -> result of a quick rerun in this session.


def shown_table(table):
    """A stored table in the session's language (results are stored in English: aelab.experiments.texts)."""
    columns = [texts.shown(c) for c in table["columns"]]
    return pd.DataFrame([[texts.shown(v) for v in row] for row in table["rows"]], columns=columns)


def shown_chart(spec):
    """A stored chart spec with its title, axes, legend and categories in the session's language."""
    out = {**spec, **{k: texts.shown(spec[k]) for k in ("title", "x_title", "y_title") if k in spec}}
    out["series"] = [
        {**s, "name": texts.shown(s["name"]), "x": [texts.shown(v) for v in s["x"]]} for s in spec["series"]
    ]
    if "hline" in spec:
        out["hline"] = {**spec["hline"], "name": texts.shown(spec["hline"]["name"])}
    return out


def show_result(res, key, charts_per_row=2):
    """Renders one study result: summary, tables, charts (`charts_per_row` side by side)."""
    st.markdown(f"**{texts.shown(res['summary'])}**")
    columns = {texts.shown("parameters"): NUMBER}  # Parameter counts read better with separators (101,200).
    st.dataframe(shown_table(res["table"]), hide_index=True, column_config=columns, key=f"{key}_table")
    for i, extra in enumerate(res.get("tables", [])):
        st.markdown(f"*{texts.shown(extra['title'])}*")
        st.dataframe(shown_table(extra), hide_index=True, column_config=columns, key=f"{key}_t{i}")
    specs = res["charts"]
    for start in range(0, len(specs), charts_per_row):
        cols = st.columns(charts_per_row)
        for j, spec in enumerate(specs[start : start + charts_per_row]):
            cols[j].plotly_chart(study_figure(shown_chart(spec)), key=f"{key}_chart{start + j}")
    b = res["budget"]
    st.caption(
        _(
            "{train:,} training images, {test:,} test images, {epochs} epochs per model, seed {seed}; "
            "ran {created} in {seconds:.0f} s (TensorFlow {tensorflow}, Keras {keras})."
        ).format(
            train=b["train_size"] or 55000, test=b["test_size"] or 10000, epochs=b["epochs"], seed=b["seed"],
            created=res["created"], seconds=res["seconds"], **res["versions"],
        )
    )  # fmt: skip


def quick_rerun(study):
    """Runs the quick version of a study with a progress bar; keeps the result in the session."""
    with st.status(_("Quick run of '{study}'…").format(study=_(TAB_LABELS[study])), expanded=True) as status:
        bar = st.progress(0.0)
        line = st.empty()

        def progress(fraction, message):
            bar.progress(min(max(fraction, 0.0), 1.0))
            if message:
                line.write(message)

        try:
            res = experiments.run_study(study, experiments.budget_for(study, quick=True), progress=progress)
        except data.DataError as e:
            status.update(label=_("The quick run could not read the data"), state="error")
            st.error(str(e))
            return
        done = _("Quick run finished in {seconds:.0f} s").format(seconds=res["seconds"])
        status.update(label=done, state="complete", expanded=False)
    st.session_state.quick_results[study] = res


tabs = st.tabs([_(label) for label in TAB_LABELS.values()])
for study, tab in zip(TAB_LABELS, tabs, strict=True):
    with tab:
        st.subheader(_(experiments.TITLES[study]))
        # First, so that a finished run shows at once beside the stored result below.
        if st.button(_("Rerun a quick version"), key=f"rerun_{study}"):
            quick_rerun(study)
        stored = experiments.load_result(study)
        quick = st.session_state.quick_results.get(study)
        # With a quick rerun, the two side by side on a wide screen (one above the other on a
        # phone, where columns stack), each chart the width of its half.
        here, beside = st.columns(2, gap="large") if quick else (st.container(), None)
        with here:
            if quick:
                st.markdown("#### " + _("Stored result (full run)"))
            if stored is None:
                st.info(
                    _("No stored result yet: run `python -m aelab.experiments {study}` to make one.").format(
                        study=study
                    )
                )
            else:
                show_result(stored, f"stored_{study}", charts_per_row=1 if quick else 2)
        if quick:
            with beside:
                st.markdown("#### " + _("Quick rerun (this session)"))
                show_result(quick, f"quick_{study}", charts_per_row=1)
        st.caption(
            _("Command line: `python -m aelab.experiments {study}` (add `--quick` for the short version).").format(
                study=study
            )
        )
