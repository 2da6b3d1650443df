import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import ExifTags, Image

from civic.core.db import utcnow
from civic.core.errors import DomainError, NotAllowed
from civic.proposals import services
from civic.proposals.models import PROPOSAL_THREAD_KIND, Proposal
from tests.processes.conftest import phases_around
from tests.proposals.conftest import form_data, image_bytes, proposal_data


def _new(process) -> str:
    return f"/processes/{process.id}/proposals/new"


def jpeg_with_gps() -> bytes:
    """A 2400×1200 JPEG taken "on its side" (orientation 6), with a GPS position and a camera name."""
    image = Image.new("RGB", (2400, 1200), (200, 60, 40))
    exif = image.getexif()
    exif[ExifTags.Base.Make] = "SecretCam"
    exif[ExifTags.Base.Orientation] = 6
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 26.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (0.0, 7.0, 39.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo has GPS
    return data


def test_resident_submits_a_proposal(client, db, login_as, make_process):
    process = make_process()
    author = login_as("resident")
    page = client.get(_new(process)).get_data(as_text=True)
    assert page.count("<h1>") == 1 and 'enctype="multipart/form-data"' in page
    assert '<input checked id="show_name-1" name="show_name" required type="radio" value="no">' in page
    response = client.submit(_new(process), form_data(body="Plant <b>twenty</b> trees.\n\nWith benches."))
    assert response.status_code == 303
    proposal = db.session.scalars(sa.select(Proposal)).one()
    assert response.headers["Location"].endswith(f"/proposals/{proposal.id}")
    assert proposal.author_id == author.id and proposal.channel == "online" and not proposal.show_name
    assert proposal.body == "<p>Plant &lt;b&gt;twenty&lt;/b&gt; trees.</p><p>With benches.</p>"
    assert proposal.thread.kind == PROPOSAL_THREAD_KIND and proposal.dimension == "environment"
    assert proposal.status == "published" and not proposal.awaiting_approval


def test_errors_keep_everything_typed(client, db, login_as, make_process):
    process = make_process()
    login_as("resident")
    response = client.submit(_new(process), form_data(
        title="", body="My long idea about trees", category="", latitude="95", longitude="", address="Market St 4"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "<title>Error:" in page
    assert page.count('class="error-summary"') == 1
    for field in ("title", "category", "latitude"):
        assert f'href="#{field}"' in page, field
    assert "My long idea about trees" in page and 'value="Market St 4"' in page and 'value="95"' in page
    assert db.session.scalar(sa.select(sa.func.count(Proposal.id))) == 0


def test_a_good_photo_must_be_chosen_again_when_other_fields_fail(client, db, login_as, make_process):
    process = make_process()
    login_as("resident")
    response = client.submit(_new(process), {**form_data(title=""), "photo_alt": "A street",
                                             "photo": (io.BytesIO(image_bytes()), "street.png")},
                             content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "choose it again" in page and 'value="A street"' in page


def test_photo_is_reencoded_without_gps(client, db, login_as, make_process):
    process = make_process()
    login_as("resident")
    response = client.submit(_new(process), {**form_data(photo_alt="Market Street at noon"),
                                             "photo": (io.BytesIO(jpeg_with_gps()), "street.jpg")},
                             content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)
    proposal = db.session.scalars(sa.select(Proposal)).one()
    stored = proposal.photo
    assert proposal.photo_type == "image/webp" and proposal.photo_alt == "Market Street at noon"
    image = Image.open(io.BytesIO(stored))
    assert image.format == "WEBP"
    assert image.size == (800, 1600)  # turned upright, then at most 1600 px
    assert not image.getexif() and "exif" not in image.info and "xmp" not in image.info
    assert b"Exif" not in stored and b"SecretCam" not in stored and b"GPS" not in stored

    photo = client.get(f"/proposals/{proposal.id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/webp" and photo.data == stored
    assert "max-age=31536000" in photo.headers["Cache-Control"]
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert 'alt="Market Street at noon"' in page


def test_alt_text_is_required_with_a_photo(client, db, login_as, make_process):
    process = make_process()
    login_as("resident")
    response = client.submit(_new(process), {**form_data(), "photo": (io.BytesIO(image_bytes()), "street.png")},
                             content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'href="#photo_alt"' in page
    assert "Describe the photo for people who cannot see it." in page
    with pytest.raises(DomainError) as error:
        services.submit_proposal(login_as("resident"), process, proposal_data(photo=image_bytes()), utcnow())
    assert error.value.field == "photo_alt"


@pytest.mark.parametrize("content, filename", [(b"%PDF-1.4 not an image", "street.jpg"),
                                               (b"plain text", "notes.txt"),
                                               (image_bytes("GIF"), "street.png")])
def test_non_images_are_refused(client, db, login_as, make_process, content, filename):
    process = make_process()
    login_as("resident")
    response = client.submit(_new(process), {**form_data(photo_alt="A photo"),
                                             "photo": (io.BytesIO(content), filename)},
                             content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'href="#photo"' in page
    assert "The photo must be a JPEG, PNG or WebP image." in page and "choose it again" not in page
    assert db.session.scalar(sa.select(sa.func.count(Proposal.id))) == 0


def test_blocked_and_anonymous_people_cannot_submit(client, db, login_as, make_process, make_user):
    process = make_process()
    response = client.get(_new(process))
    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]
    with pytest.raises(NotAllowed):
        services.submit_proposal(None, process, proposal_data(), utcnow())

    blocked = login_as("resident", blocked_at=utcnow())
    response = client.get(_new(process))
    assert response.status_code == 403 and "blocked your account" in response.get_data(as_text=True)
    assert client.submit(_new(process), form_data()).status_code == 403
    with pytest.raises(NotAllowed):
        services.submit_proposal(blocked, process, proposal_data(), utcnow())
    assert db.session.scalar(sa.select(sa.func.count(Proposal.id))) == 0


def test_proposals_only_during_the_proposals_phase(client, db, login_as, make_process, make_user):
    process = make_process(open_phase="voting")
    login_as("resident")
    response = client.get(_new(process))
    assert response.status_code == 409 and "not accepting proposals now" in response.get_data(as_text=True)
    with pytest.raises(DomainError):
        services.submit_proposal(make_user(), process, proposal_data(), utcnow())


def test_category_and_coordinates_are_checked(db, make_process, make_plan, make_user):
    plan = make_plan(goals=3, actions=0)
    other = make_plan(goals=1, actions=0)
    process = make_process(goal_ids=[plan.goals[0].id])
    author = make_user()
    proposal = services.submit_proposal(author, process, proposal_data(category=f"goal:{plan.goals[2].id}"),
                                        utcnow())
    assert proposal.goal_id == plan.goals[2].id and proposal.dimension is None
    for category in (f"goal:{other.goals[0].id}", "dimension:weather", "goal:x", ""):
        with pytest.raises(DomainError) as error:
            services.submit_proposal(author, process, proposal_data(category=category), utcnow())
        assert error.value.field == "category"
    from decimal import Decimal
    with pytest.raises(DomainError):
        services.submit_proposal(author, process, proposal_data(latitude=Decimal("51.5")), utcnow())
    with pytest.raises(DomainError):
        services.submit_proposal(author, process, proposal_data(latitude=Decimal("91"), longitude=Decimal("0")),
                                 utcnow())
    with pytest.raises(DomainError) as error:
        services.submit_proposal(author, process, proposal_data(title="x" * 151), utcnow())
    assert error.value.field == "title"


def test_premoderated_proposals_wait_and_are_seen_only_by_author_and_moderators(client, db, login_as,
                                                                                make_process, make_user):
    process = make_process(premoderation=True)
    author = make_user()
    proposal = services.submit_proposal(author, process, proposal_data(title="Waiting idea"), utcnow())
    db.session.commit()
    assert proposal.awaiting_approval
    assert client.get(f"/proposals/{proposal.id}").status_code == 404
    assert "Waiting idea" not in client.get("/proposals/").get_data(as_text=True)
    login_as("resident")
    assert client.get(f"/proposals/{proposal.id}").status_code == 404
    with client.session_transaction() as session:
        session["_user_id"] = author.get_id()
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Waiting for a moderator" in page
    assert "Waiting idea" in client.get("/proposals/").get_data(as_text=True)
    login_as("moderator")
    assert client.get(f"/proposals/{proposal.id}").status_code == 200
    assert "Waiting idea" in client.get("/proposals/").get_data(as_text=True)


def test_district_processes_keep_proposals_in_their_district(db, make_process, make_district, make_user):
    district, other = make_district(), make_district()
    process = make_process(district_id=district.id, phases=phases_around(utcnow().date()))
    proposal = services.submit_proposal(make_user(), process, proposal_data(), utcnow())
    assert proposal.district_id == district.id
    with pytest.raises(DomainError):
        services.submit_proposal(make_user(), process, proposal_data(district_id=other.id), utcnow())
    assert utcnow() - proposal.created_at < timedelta(minutes=1)


def test_a_bad_photo_is_reported_with_the_other_problems(client, db, login_as, make_process):
    process = make_process()
    login_as("resident")
    response = client.submit(_new(process), {**form_data(title="", photo_alt="A street"),
                                             "photo": (io.BytesIO(b"not an image"), "street.jpg")},
                             content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'href="#title"' in page and 'href="#photo"' in page
    assert "choose it again" not in page
