def test_smoke(editor_client, claim, make_claim, reviewer):
    make_claim("京东AI研究高管何晓冬", status="researching", assignee=reviewer)
    r = editor_client.get("/dashboard/")
    assert r.status_code == 200, r.content[:3000]
    open("/tmp/dash/page.html", "wb").write(r.content)
    r = editor_client.get("/dashboard/?_export=csv")
    print(b"".join(r.streaming_content).decode())
    r = editor_client.get("/my/")
    assert r.status_code == 200
