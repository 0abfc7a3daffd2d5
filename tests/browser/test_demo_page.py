"""The demo page (the same lab.js the suite drives) in each engine: every
card shows the verdict its configuration claims."""

import time


def test_every_demo_card_matches_the_engine(lab, driver):
    driver.get(lab.origins["app"] + "/index.html")
    deadline = time.time() + 60
    done = None
    while time.time() < deadline:
        done = driver.execute_script("return document.body.getAttribute('data-done')")
        if done:
            break
        time.sleep(0.2)
    cards = driver.execute_script("""
return lab.scenarios.map(function (s) {
    var c = document.getElementById('card-' + s.id);
    return [s.id, s.expect, c.classList.contains('allowed') ? 'allowed'
            : c.classList.contains('blocked') ? 'blocked' : 'none',
            c.querySelector('.detail').textContent];
});""")
    wrong = [c for c in cards if c[1] != c[2]]
    assert not wrong, "cards whose browser verdict differs from the configuration: %r" % wrong
    assert done == "%d/%d" % (len(cards), len(cards)), done
    # the configuration excerpts came from the api's real configuration
    conf = driver.execute_script(
        "return document.querySelector('#card-simple-allowed pre.conf').textContent")
    assert "CORSAllowOrigin " + lab.origins["app"] in conf, conf
