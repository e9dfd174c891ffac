"""The Chinese catalogue as a teacher would sign it off: the review's fixes stay fixed.

The review (shared/reviews/zh-CN-catalogue.md) found 4 wrong, 31 awkward and 25 style messages; the rules it
implies live in `aelab.i18n.catalogues` (so `python -m aelab.i18n check` reports them too) and are checked here,
each bad input paired with its own message.
"""

import pytest
from babel.messages import pofile

from aelab import i18n
from aelab.i18n import catalogues


def _catalogue():
    po, _mo = i18n.paths("zh")
    with open(po, "rb") as f:
        return pofile.read_po(f)


def test_no_chinese_message_breaks_the_house_rules():
    found = catalogues.chinese_problems()
    assert found == [], "\n".join(found)


@pytest.mark.parametrize(
    "msgstr, expected",
    [
        ("已经有名为“{name}”的模型: 请换一个名字。", "an English colon after Chinese text"),
        ("还没开始就停止了:没有训练任何模型。", "an English colon after Chinese text"),
        ("AE 低于 50 %", "a space before “%”"),
        ("正在加载模型…", "a single “…” at the end"),
        ("测试集 每像素 MSE", "a space between two Chinese characters"),
        ("正在对 10000 个测试数字编码……", "a number not written as the locale writes it: '10000' (expected '10,000')"),
        ("**所画 {n} 个数字的后验 σ**", "a wrong term, '所画'"),
        ("测试集重构 MSE 随潜在空间大小的变化", "a wrong term, '潜在空间大小'"),
        ("所以数字会粗糙一些。", "a wrong term, '数字会粗糙'"),
        ("784-196-784，sigmoid 编码层，KL 稀疏约束", "a wrong term, 'KL 稀疏约束'"),
        ("在 KL 惩罚的约束下", "a wrong term, 'KL 惩罚'"),
        ("最大 10 MB、25 百万像素", "a wrong term, '百万像素'"),
        ("以灰色为中心的高斯噪声", "a wrong term, '以灰色为中心'"),
        ("1σ（实线）和 2σ（点线）椭圆", "a wrong term, '点线'"),
        ("图中的椭圆放大了 {scale} 倍。", "a wrong term, '放大了'"),
        ("卷积 AE 的重构都比 PCA 好", "a wrong term, '都比 PCA 好'"),
    ],
)
def test_each_kind_of_problem_is_named(msgstr, expected):
    found = catalogues.chinese_text_problems(msgstr)
    assert any(p.startswith(expected) for p in found), found


@pytest.mark.parametrize(
    "msgstr",
    [
        "课堂模式：每个任务最多 {cap:,} 图像·轮。",  # A label's colon is Chinese and right.
        "宽高比最大为 {limit}:1，收到的是 {ratio:.0f}:1。",  # A ratio after a placeholder.
        "命令行：`python -m aelab.experiments {study}`（加上 `--quick`）",  # Code is not prose.
        "在 {n:,} 个测试数字上评估",  # Spaces around a placeholder, as Chinese typesetting puts them.
        "正在对 10,000 个测试数字编码……",
        "{start}…（共 {n} 个字符）",  # A cut text's mark, not an ellipsis ending a sentence.
        "准确率为 {ae_accuracy:.1%}，相对误差低于 50%",
        "784-196-784，sigmoid 编码层，KL 稀疏惩罚",
        "选取的 z = (%{x:.2f}, %{y:.2f})",
    ],
)
def test_what_is_right_is_not_flagged(msgstr):
    assert catalogues.chinese_text_problems(msgstr) == []


# The review's 19 messages whose English colon was carried over as "：" between two clauses.
CLAUSES_JOINED_BY_A_COLON = [
    "; scored on {n:,} test digits. It lives in this browser session only: save it below to keep it.",
    "A model named '{name}' already exists: choose another name.",
    "A model named '{name}' is already saved: choose another name (nothing was overwritten).",
    "Move the pointer, a pen or a finger over either plane: the digit its decoder draws at that point appears at "
    "once, decoded in your browser, and a short trail follows the pointer. Click or tap to pin a point: the page "
    "decodes it too, and the link keeps it. With a plane focused, arrow keys walk and Enter pins.",
    "No stored result yet: run `python -m aelab.experiments {study}` to make one.",
    "Stopped before it started: nothing was trained.",
    "The decoder can draw a digit from any two numbers (z0, z1), not only from those of real digits: here it draws "
    "one for every point of a grid, so you can watch one digit morph into another.",
    "The image has transparent parts: they are shown on white.",
    "The image is {w}x{h} pixels, too long and thin to use: expected a width-to-height ratio of at most {limit}:1. "
    "Received: {ratio:.0f}:1. Crop it closer to a square first.",
    "The other pages use one autoencoder (AE) and one variational autoencoder (VAE). Keep the ones shipped with the "
    "app, or train your own here and watch the loss fall epoch by epoch: try very few epochs, a tiny training set, "
    "or a learning rate that is far too large, then look at the Latent space and Manifold pages to see what changed.",
    "The pinned point lies outside the grid's range (z0 {a0:g} to {b0:g}, z1 {a1:g} to {b1:g}): its cross is off "
    "the grid and off the plane.",
    "This browser cannot run the decoder, so nothing is decoded under the pointer: click the plane to pin a point, "
    "or use the Pick sliders",
    "This is a 16-bit gray image: its levels are scaled to 8 bits.",
    "This is an animated {format} with {frames} frames: only the first one is used.",
    "This link asks for a saved {kind} called “{name}”, which this server does not have: the shipped one is used "
    "instead.",
    "This session already has a training job {status}: stop it or wait for it to finish.",
    "Your digit is small on the pad: draw it larger, filling most of the square, for a clearer result.",
    "Your {model} job is {status}: one job per session, so stop it (under {model}) to train here.",
    "Your {w}x{h} image is far from square: only its centre {side}x{side} square is used.",
]


def test_clauses_the_review_found_joined_by_a_colon_are_joined_the_chinese_way():
    catalog = _catalogue()
    missing = [m for m in CLAUSES_JOINED_BY_A_COLON if m not in catalog]
    assert missing == [], f"gone from the code (update this list): {missing}"
    left = {m: catalog[m].string for m in CLAUSES_JOINED_BY_A_COLON if "：" in catalog[m].string}
    assert left == {}, left


def test_the_four_wrong_messages_say_what_the_english_says():
    with i18n.use("zh"):
        _ = i18n._
        assert _("**Posterior σ of the {n} digits drawn**") == "**图中 {n} 个数字的后验 σ**"
        # {wins} may be 无 (none) after a quick rerun: the sentence must not claim the AE won everywhere.
        wins = _(
            "The conv AE reconstructs better than PCA at latent sizes {wins} (of {latents}); on {k}-D codes a "
            "softmax regression reaches {ae_accuracy:.1%} test accuracy, against {pixel_accuracy:.1%} on raw pixels."
        ).format(wins=_("none"), latents="2, 4, 8", k=8, ae_accuracy=0.9, pixel_accuracy=0.92)
        assert wins.startswith("卷积 AE 重构优于 PCA 的潜在空间维数：无（共比较 2, 4, 8）"), wins
        assert "数值" in _(
            "The experiments of the tutorials this app grew from, run in full on MNIST and stored with the app: "
            "which autoencoder variant reconstructs best, how an autoencoder compares with PCA at the same latent "
            "size (and whether its codes make good features), how the optimizer and the loss change training, and "
            "how far an image can be compressed. Each tab shows the stored result; **Rerun a quick version** "
            "repeats the study here on a small slice (2,000 training images, 2 epochs), so expect rougher numbers."
        )


def test_one_term_per_concept():
    strings = [m.string for m in _catalogue() if m.id and isinstance(m.string, str)]
    assert sum("KL 稀疏惩罚" in s for s in strings) >= 3  # The sparsity penalty, everywhere it is named.
    assert sum("潜在空间维数" in s for s in strings) >= 6  # Latent size, everywhere.
    with i18n.use("zh"):
        assert i18n._("latent size") == "潜在空间维数"
        assert i18n._("dimensions") == "维数"
