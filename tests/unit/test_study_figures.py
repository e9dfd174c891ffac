"""Study chart titles wrap to their half-width chart, Chinese included (Plotly never wraps a title)."""

from aelab.experiments.figures import TITLE_WIDTH, _columns, study_figure, wrap_title


def _widest(title):
    return max(sum(_columns(c) for c in line) for line in title.split("<br>"))


def test_english_breaks_at_spaces_and_chinese_between_characters():
    en = wrap_title("Validation loss per epoch (BCE; the sparse AE adds its KL sparsity penalty, weighted)")
    zh = wrap_title("每轮的验证集损失（BCE；稀疏 AE 另加 KL 稀疏惩罚，按其权重计）")
    assert en.count("<br>") == 1 and all(not line.startswith(" ") for line in en.split("<br>"))
    assert zh.count("<br>") == 1  # it has no spaces, and still breaks
    assert _widest(en) <= TITLE_WIDTH and _widest(zh) <= TITLE_WIDTH
    assert wrap_title("Test PSNR") == "Test PSNR"


def test_the_figure_makes_room_for_every_line():
    spec = {
        "kind": "bar",
        "title": "训" * 60,
        "x_title": "x",
        "y_title": "y",
        "series": [{"name": "a", "x": ["1"], "y": [1]}],
    }
    fig = study_figure(spec)
    assert fig.layout.title.text.count("<br>") == 2 and _widest(fig.layout.title.text) <= TITLE_WIDTH
