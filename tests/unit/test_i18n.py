"""The interface's languages: the catalogue matches the code, and each run or thread has its own language."""

import os
import shutil
import threading

import pytest
from babel.messages import pofile

from aelab import i18n
from aelab.data import images
from aelab.i18n import catalogues


def _catalogue():
    po, _mo = i18n.paths("zh")
    with open(po, "rb") as f:
        return pofile.read_po(f)


def test_every_message_in_the_code_has_a_chinese_translation_and_nothing_else_is_in_the_catalogue():
    # Extracts the messages from aelab/, app_pages/ and app.py with Babel, as `python -m aelab.i18n update` does.
    found = catalogues.problems()
    assert found == [], "\n".join(found)


@pytest.fixture
def locale_copy(tmp_path, monkeypatch):
    """A copy of aelab/locale/ that the test may break; `i18n` reads it instead."""
    shutil.copytree(i18n.LOCALE_DIR, tmp_path / "locale", ignore=shutil.ignore_patterns("*.mo"))
    monkeypatch.setattr(i18n, "LOCALE_DIR", str(tmp_path / "locale"))
    return tmp_path / "locale"


def _write(catalog):
    po, _mo = i18n.paths("zh")
    with open(po, "wb") as f:
        pofile.write_po(f, catalog)


def test_the_check_names_a_missing_an_untranslated_a_fuzzy_a_stale_and_a_misplaced_message(locale_copy):
    catalog = _catalogue()
    catalog.delete("Manifold")  # In the code, not in the catalogue.
    catalog["Denoising"].string = ""
    catalog["Models"].flags.add("fuzzy")
    catalog["Rebuild it with: {command}"].string = "重新生成的命令：{cmd}"
    catalog.add("A message the code no longer has", "代码里已经没有的消息")
    _write(catalog)
    found = "\n".join(catalogues.problems())
    assert "not in the catalogue (run `python -m aelab.i18n update`): 'Manifold'" in found
    assert "no translation: 'Denoising'" in found
    assert "fuzzy (check the translation, then remove the flag): 'Models'" in found
    assert "placeholders} differ from the message's: 'Rebuild it with: {command}'" in found
    assert "no longer in the code (run `python -m aelab.i18n update`): 'A message the code no longer has'" in found


def _every_translation():
    return {m.id: m.string for m in _catalogue() if m.id and isinstance(m.id, str)}


def test_a_compiled_mo_and_the_po_compiled_in_memory_give_every_translation(locale_copy):
    expected = _every_translation()
    assert len(expected) > 40
    _po, mo = i18n.paths("zh")
    assert not os.path.exists(mo)
    from_po = i18n.translations("zh")  # No .mo: Babel compiles the .po in memory.
    assert {k: from_po.gettext(k) for k in expected} == expected
    catalogues.compile_all()
    from_mo = i18n.translations("zh")
    assert from_mo is not from_po  # A new .mo is a new cache key: read from the file.
    assert type(from_mo).__name__ == "GNUTranslations"
    assert {k: from_mo.gettext(k) for k in expected} == expected
    assert from_mo.ngettext("{n} epoch", "{n} epochs", 5) == "{n} 轮"


def test_english_is_the_message_itself_and_library_errors_follow_the_language():
    with pytest.raises(images.ImageError, match=r"^The uploaded file is empty \(0 bytes\)"):
        images.read_upload(b"")
    with i18n.use("zh"), pytest.raises(images.ImageError, match="^上传的文件是空的（0 字节）"):
        images.read_upload(b"")
    with i18n.use("zh"):
        assert (
            images.accepted_text()
            == "PNG、JPEG 或 GIF，最大 10 MB、25×10⁶ 像素；动图只取第一帧，透明部分叠加在白色背景上显示。"
        )
    assert i18n.language() == "en"


def test_parallel_runs_keep_their_own_language():
    # Streamlit runs each session's script in its own thread at the same time.
    seen, barrier = {}, threading.Barrier(2)

    def run(lang):
        i18n.set_language(lang)
        barrier.wait()  # Both languages are set before either translates.
        seen[lang] = [i18n._("Latent space") for _ in range(200)]

    threads = [threading.Thread(target=run, args=(lang,)) for lang in ("zh", "en")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(seen["zh"]) == {"潜在空间"} and set(seen["en"]) == {"Latent space"}


def test_a_thread_without_a_language_asks_the_fallback(monkeypatch):
    monkeypatch.setattr(i18n, "_fallback", None)
    out = {}

    def fragment_rerun():  # A fragment's rerun in a fresh thread: app.py did not run there.
        out["text"] = i18n._("Denoising")

    i18n.set_fallback(lambda: "zh")
    t = threading.Thread(target=fragment_rerun)
    t.start()
    t.join()
    assert out["text"] == "去噪"


@pytest.mark.parametrize(
    ("tag", "lang"),
    [
        ("zh-CN", "zh"),
        ("zh-Hans-SG", "zh"),
        ("zh_TW", "zh"),
        ("en-GB", "en"),
        ("EN", "en"),
        ("fr-FR", None),
        (None, None),
    ],
)
def test_browser_locales(tag, lang):
    assert i18n.from_locale(tag) == lang


def test_an_unknown_language_is_refused_with_what_was_expected():
    with pytest.raises(ValueError, match=r"expected one of \['en', 'zh'\]. Received: lang='fr'"):
        i18n.set_language("fr")


def _ink(text, font):
    from PIL import Image, ImageDraw

    img = Image.new("L", (80, 40), 0)
    ImageDraw.Draw(img).text((4, 4), text, font=font, fill=255)
    return img.tobytes()


def test_exported_pictures_draw_chinese_with_a_cjk_font_and_english_without_one():
    from aelab.figures import panels

    with i18n.use("zh"):
        zh = panels.font(24)
    if not any(name in getattr(zh, "path", "") for name, _face in panels.CJK_FONTS):
        pytest.skip("no CJK font on this machine (Debian: apt-get install fonts-noto-cjk)")
    en = panels.font(24)
    assert getattr(en, "path", "") != zh.path  # English keeps its font (DejaVu Sans on Debian).
    # A glyph the font has differs from the box it draws for one it lacks (U+FFFF is never a glyph).
    assert _ink("去噪", zh) != _ink("\uffff\uffff", zh)
    assert _ink("σ", zh) != _ink("\uffff", zh)  # Legends say "1σ".


def test_a_stored_english_text_is_translated_through_the_template_it_was_made_from(locale_copy):
    catalog = _catalogue()
    catalog.add("Best: {model} ({error:.3f}).", "最好的是 {model}（{error:.3f}）。")
    catalog.add("{optimizer} + {loss}", "{optimizer} + {loss}")
    catalog.add("SGD, lr 0.05", "SGD，学习率 0.05")
    _write(catalog)
    templates = ("Best: {model} ({error:.3f}).", "{optimizer} + {loss}")
    with i18n.use("zh"):
        # The value read back ("0.182") is shown as stored; the model's label is translated in turn.
        assert (
            i18n.from_template("Best: SGD, lr 0.05 + MSE (0.182).", templates)
            == "最好的是 SGD，学习率 0.05 + MSE（0.182）。"
        )
        assert i18n.from_template("Manifold", templates) == "流形"  # No template: the message itself.
        assert i18n.from_template("not a message", templates) == "not a message"
    assert i18n.from_template("Best: Dense AE (0.182).", templates) == "Best: Dense AE (0.182)."


def test_charts_drawn_by_matplotlib_have_a_font_with_chinese_glyphs():
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    from aelab.figures import panels

    families = panels.matplotlib_families()
    assert families[0] == "DejaVu Sans"  # English keeps matplotlib's own font.
    if len(families) == 1:
        pytest.skip("no CJK font on this machine (Debian: apt-get install fonts-noto-cjk)")
    path = font_manager.findfont(font_manager.FontProperties(family=families[1]), fallback_to_default=False)
    assert FT2Font(path).get_char_index(ord("测")) != 0  # The fallback font has the glyph, so no box is drawn.
