"""prompt templates and prompt presets, with the built-in sets

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

The built-ins are data of this revision, not imports from the application: a later change to them is a
later revision. Their ids are fixed (uuid5 of a key) so installs agree, and their created_at times are
fixed and ascending so lists show them first, in this order.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
import zimage_common.db
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAMESPACE = uuid.UUID("6f1c2a0e-5b7d-4c3e-9a41-2d8e7f0b9c15")
SEEDED_AT = datetime(2026, 1, 1, tzinfo=UTC)


def _var(
    name: str, label_ko: str, label_en: str, default: str | None = None, *, max_length: int = 100
) -> dict[str, Any]:
    """A variable; one without a default is required."""
    return {
        "name": name,
        "label_ko": label_ko,
        "label_en": label_en,
        "default": default,
        "required": default is None,
        "max_length": max_length,
    }


# (key, category, name_ko, name_en, description_ko, description_en, pattern, variables, default size preset)
TEMPLATES: list[tuple[str, str, str, str, str, str, str, list[dict[str, Any]], str]] = [
    (
        "product_hero",
        "product",
        "제품 히어로 샷",
        "Product hero shot",
        "스튜디오 조명 아래 제품 하나를 주인공으로 보여 주는 광고용 대표 이미지",
        "A single product as the hero of a studio advertising shot",
        "Professional product photography of {product}, centered as the hero subject on {surface}, "
        "{background} background, soft three-point studio lighting with a subtle rim light, crisp reflections, "
        "100mm lens at f/8, tack-sharp focus, photorealistic commercial advertising style, ultra detailed",
        [
            _var("product", "제품", "Product", max_length=120),
            _var("surface", "받침·바닥", "Surface", "a polished white marble pedestal"),
            _var("background", "배경", "Background", "seamless light grey gradient"),
        ],
        "square_1024",
    ),
    (
        "sns_feed_post",
        "social",
        "SNS 피드 게시물",
        "Social feed post",
        "인스타그램 피드에 어울리는 밝고 자연스러운 라이프스타일 사진 (세로 4:5)",
        "A bright, natural lifestyle photo made for an Instagram feed (portrait 4:5)",
        "Lifestyle photo for a social media feed post: {subject} in {setting}, natural daylight, candid and "
        "authentic moment, {mood} mood, 35mm lens with gentle depth of field, bright airy tones, "
        "cohesive {palette} color palette, vertical composition",
        [
            _var("subject", "주제", "Subject", max_length=120),
            _var("setting", "장소", "Setting", "a sunlit cafe by the window"),
            _var("mood", "분위기", "Mood", "warm and friendly"),
            _var("palette", "색감", "Color palette", "soft neutral"),
        ],
        "instagram_portrait",
    ),
    (
        "event_banner",
        "event",
        "이벤트 배너 (헤드라인 공간)",
        "Event banner with headline space",
        "왼쪽 절반을 문구용 여백으로 비워 둔 가로형 이벤트·프로모션 배너 배경",
        "A wide event or promotion banner with the left half left empty for headline copy",
        "Wide promotional banner image for {event}, {visual} arranged on the right third of the frame, "
        "the left half left as clean empty space for headline text, {palette} colors, soft studio lighting, "
        "modern minimal graphic layout, high-end advertising photography, sharp details",
        [
            _var("event", "행사", "Event", max_length=120),
            _var("visual", "주요 소품", "Key visual", "festive confetti, balloons and gift boxes"),
            _var("palette", "색상", "Colors", "vibrant coral and teal"),
        ],
        "landscape_16_9",
    ),
    (
        "seasonal_sale_poster",
        "promotion",
        "시즌 세일 포스터",
        "Seasonal sale poster",
        "큰 영문 헤드라인과 상품이 어우러진 시즌 할인 포스터 (영문 문구가 가장 잘 그려집니다)",
        "A seasonal sale poster with a large headline and products (English headlines render best)",
        'Eye-catching {season} sale poster, bold large headline text "{headline}" at the top, {products} '
        "arranged in a dynamic composition below, seasonal decorations of {decor}, vivid saturated colors, "
        "clean modern typography, bright studio lighting, professional retail advertising design",
        [
            _var("season", "시즌", "Season", max_length=40),
            _var("headline", "헤드라인", "Headline", "SALE UP TO 50% OFF", max_length=40),
            _var("products", "상품", "Products", "shopping bags and wrapped gift boxes"),
            _var("decor", "장식", "Decorations", "snowflakes, pine branches and red ribbons"),
        ],
        "instagram_portrait",
    ),
    (
        "food_menu_photo",
        "food",
        "음식 메뉴 사진",
        "Food menu photo",
        "메뉴판·배달앱에 쓰기 좋은 먹음직스러운 음식 사진",
        "An appetising dish photo for menus and delivery apps",
        "Appetizing food photography of {dish}, freshly plated on {tableware} on a {table} table, "
        "carefully garnished, light steam rising, soft natural side light from a window, 45-degree angle, "
        "50mm lens, shallow depth of field, rich textures, warm inviting tones, restaurant menu style",
        [
            _var("dish", "요리", "Dish", max_length=120),
            _var("tableware", "그릇", "Tableware", "a matte ceramic plate"),
            _var("table", "테이블", "Table", "rustic wooden"),
        ],
        "landscape_4_3",
    ),
    (
        "cosmetics_flat_lay",
        "beauty",
        "화장품 플랫레이",
        "Cosmetics flat lay",
        "위에서 내려다본 구도로 화장품과 소품을 정갈하게 배치한 뷰티 이미지",
        "A top-down beauty shot of cosmetics neatly styled with props",
        "Top-down flat lay of {product} arranged with {props} on {surface}, neatly styled composition with "
        "generous negative space, soft diffused daylight, gentle shadows, {palette} color palette, "
        "clean beauty editorial photography, fine detail on packaging and textures",
        [
            _var("product", "제품", "Product", max_length=120),
            _var("props", "소품", "Props", "fresh flower petals, water droplets and a silk ribbon"),
            _var("surface", "바닥", "Surface", "a pale stone surface"),
            _var("palette", "색감", "Color palette", "soft pastel pink and cream"),
        ],
        "instagram_square",
    ),
    (
        "fashion_lookbook",
        "fashion",
        "패션 룩북",
        "Fashion lookbook",
        "거리나 스튜디오에서 전신 착용 컷을 보여 주는 에디토리얼 룩북 사진",
        "A full-body editorial lookbook photo on the street or in the studio",
        "Full-body fashion lookbook photo of {model} wearing {outfit}, standing in {location}, natural "
        "confident pose, {season} styling, soft overcast daylight, 85mm lens at f/2, shallow depth of field, "
        "editorial magazine photography, true-to-life fabric texture and color",
        [
            _var("outfit", "의상", "Outfit", max_length=160),
            _var("model", "모델", "Model", "a young Korean woman"),
            _var("location", "장소", "Location", "a minimalist concrete street in Seoul"),
            _var("season", "계절", "Season", "autumn", max_length=40),
        ],
        "instagram_portrait",
    ),
    (
        "interior_real_estate",
        "interior",
        "인테리어·부동산 사진",
        "Interior & real estate photo",
        "밝고 반듯한 광각 구도의 실내 인테리어·매물 사진",
        "A bright, straight-lined wide-angle interior photo for listings and showrooms",
        "Professional real estate interior photograph of {room} in {style} style, {features}, bright natural "
        "light through large windows, balanced exposure, 16mm wide-angle lens at eye level, straight vertical "
        "lines, tidy and staged, photorealistic architectural photography",
        [
            _var("room", "공간", "Room", max_length=120),
            _var("style", "스타일", "Style", "modern Scandinavian"),
            _var("features", "특징", "Features", "light oak floors, a linen sofa and indoor plants", max_length=160),
        ],
        "landscape_4_3",
    ),
    (
        "tech_saas_hero",
        "tech",
        "테크·SaaS 히어로 일러스트",
        "Tech & SaaS hero illustration",
        "웹사이트 첫 화면용 아이소메트릭 3D 일러스트 (왼쪽에 문구 공간)",
        "An isometric 3D illustration for a website hero section, with room for copy on the left",
        "Modern isometric 3D illustration for the hero section of a {product} website, showing {concept}, "
        "floating UI cards, charts and connected nodes, smooth gradients in {palette}, soft global "
        "illumination, clean minimal background with empty space on the left for text, polished tech startup style",
        [
            _var("product", "서비스", "Product", max_length=120),
            _var("concept", "표현할 개념", "Concept", "data flowing securely between devices and the cloud"),
            _var("palette", "색상", "Colors", "indigo, violet and electric blue"),
        ],
        "landscape_16_9",
    ),
    (
        "store_opening_flyer",
        "event",
        "매장 오픈 전단",
        "Store opening flyer",
        "화환과 풍선으로 꾸민 매장 전경에 오픈 문구를 얹은 전단 이미지",
        "A flyer showing the decorated storefront with a grand-opening headline",
        "Grand opening flyer for {store_type}, the storefront decorated with {decor}, large bold headline "
        'text "{headline}" across the top, bright daylight, welcoming festive atmosphere, clean layout with '
        "clear visual hierarchy, professional print advertising design",
        [
            _var("store_type", "매장 종류", "Kind of store", max_length=120),
            _var("decor", "장식", "Decorations", "balloon arches and congratulatory flower stands"),
            _var("headline", "헤드라인", "Headline", "GRAND OPENING", max_length=40),
        ],
        "instagram_portrait",
    ),
]

# (key, category, label_ko, label_en, snippet)
PRESETS: list[tuple[str, str, str, str, str]] = [
    (
        "golden_hour",
        "lighting",
        "골든아워",
        "Golden hour",
        "soft golden hour sunlight, warm low-angle light, long gentle shadows",
    ),
    (
        "studio_softbox",
        "lighting",
        "스튜디오 소프트박스",
        "Studio softbox",
        "professional studio lighting with large softboxes, even diffused light, soft shadows",
    ),
    (
        "window_light",
        "lighting",
        "창가 자연광",
        "Window light",
        "soft natural window light from the side, gentle falloff",
    ),
    (
        "neon_glow",
        "lighting",
        "네온 조명",
        "Neon glow",
        "vibrant neon lighting, magenta and cyan glow, reflections on wet surfaces",
    ),
    (
        "rim_light",
        "lighting",
        "드라마틱 림 라이트",
        "Dramatic rim light",
        "dramatic rim lighting against a dark background, high contrast",
    ),
    (
        "portrait_85mm",
        "camera",
        "85mm 인물 렌즈",
        "85mm portrait lens",
        "85mm portrait lens, f/1.8, shallow depth of field, creamy bokeh",
    ),
    (
        "macro",
        "camera",
        "매크로 클로즈업",
        "Macro close-up",
        "100mm macro lens close-up, fine surface detail, razor-sharp focus",
    ),
    ("top_down", "camera", "탑뷰 (위에서)", "Top-down view", "top-down overhead shot, flat lay composition"),
    ("wide_angle", "camera", "광각", "Wide angle", "24mm wide-angle lens, eye level, straight vertical lines"),
    ("film_35mm", "camera", "35mm 필름", "35mm film", "shot on 35mm film, Kodak Portra 400, natural film grain"),
    (
        "minimal",
        "mood",
        "미니멀",
        "Minimal",
        "minimalist clean composition, generous negative space, calm and uncluttered",
    ),
    (
        "luxurious",
        "mood",
        "고급스러운",
        "Luxurious",
        "luxurious elegant atmosphere, premium materials, refined details",
    ),
    ("energetic", "mood", "활기찬", "Energetic", "energetic and vibrant, dynamic composition, lively atmosphere"),
    ("cozy", "mood", "아늑한", "Cozy", "cozy warm atmosphere, inviting homely textures"),
    ("dreamy", "mood", "몽환적인", "Dreamy", "dreamy ethereal atmosphere, soft haze, gentle glow"),
    ("pastel", "palette", "파스텔", "Pastel", "pastel color palette, soft pink, mint and lavender"),
    ("monochrome", "palette", "모노톤", "Monochrome", "monochrome palette, black, white and shades of grey"),
    (
        "earth_tones",
        "palette",
        "어스 톤",
        "Earth tones",
        "earthy color palette, terracotta, olive, sand and warm beige",
    ),
    ("vivid", "palette", "비비드", "Vivid", "bold vivid colors, high saturation, complementary color contrast"),
    ("warm_neutrals", "palette", "웜 뉴트럴", "Warm neutrals", "warm neutral palette, cream, beige and soft white"),
    (
        "commercial_photo",
        "style",
        "상업 사진",
        "Commercial photo",
        "high-end commercial photography, photorealistic, ultra detailed",
    ),
    ("render_3d", "style", "3D 렌더", "3D render", "clean 3D render, soft global illumination, smooth matte materials"),
    (
        "flat_illustration",
        "style",
        "플랫 일러스트",
        "Flat illustration",
        "flat vector illustration, clean geometric shapes, modern graphic design",
    ),
    ("watercolor", "style", "수채화", "Watercolor", "delicate watercolor painting, soft washes, visible paper texture"),
]


def upgrade() -> None:
    templates = op.create_table(
        "templates",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("name_ko", sa.String(length=100), nullable=False),
        sa.Column("name_en", sa.String(length=100), nullable=False),
        sa.Column("description_ko", sa.String(length=500), nullable=False),
        sa.Column("description_en", sa.String(length=500), nullable=False),
        sa.Column("pattern", sa.Text(), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("default_preset", sa.String(length=64), nullable=False),
        sa.Column("created_at", zimage_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", zimage_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_templates")),
    )
    with op.batch_alter_table("templates", schema=None) as batch_op:
        batch_op.create_index("ix_templates_owner_created", ["owner_id", "created_at"], unique=False)
        batch_op.create_index("ix_templates_scope_created", ["scope", "created_at"], unique=False)

    presets = op.create_table(
        "prompt_presets",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("label_ko", sa.String(length=60), nullable=False),
        sa.Column("label_en", sa.String(length=60), nullable=False),
        sa.Column("snippet", sa.String(length=300), nullable=False),
        sa.Column("created_at", zimage_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", zimage_common.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompt_presets")),
    )
    with op.batch_alter_table("prompt_presets", schema=None) as batch_op:
        batch_op.create_index("ix_prompt_presets_category_created", ["category", "created_at"], unique=False)
        batch_op.create_index("ix_prompt_presets_owner_created", ["owner_id", "created_at"], unique=False)

    op.bulk_insert(
        templates,
        [
            {
                "id": uuid.uuid5(NAMESPACE, f"template:{key}"),
                "owner_id": None,
                "scope": "builtin",
                "category": category,
                "name_ko": name_ko,
                "name_en": name_en,
                "description_ko": description_ko,
                "description_en": description_en,
                "pattern": pattern,
                "variables": variables,
                "default_preset": size_preset,
                "created_at": SEEDED_AT + timedelta(seconds=i),
                "updated_at": SEEDED_AT + timedelta(seconds=i),
            }
            for i, (
                key,
                category,
                name_ko,
                name_en,
                description_ko,
                description_en,
                pattern,
                variables,
                size_preset,
            ) in enumerate(TEMPLATES)
        ],
    )
    op.bulk_insert(
        presets,
        [
            {
                "id": uuid.uuid5(NAMESPACE, f"preset:{key}"),
                "owner_id": None,
                "category": category,
                "label_ko": label_ko,
                "label_en": label_en,
                "snippet": snippet,
                "created_at": SEEDED_AT + timedelta(seconds=i),
                "updated_at": SEEDED_AT + timedelta(seconds=i),
            }
            for i, (key, category, label_ko, label_en, snippet) in enumerate(PRESETS)
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("prompt_presets", schema=None) as batch_op:
        batch_op.drop_index("ix_prompt_presets_owner_created")
        batch_op.drop_index("ix_prompt_presets_category_created")
    op.drop_table("prompt_presets")
    with op.batch_alter_table("templates", schema=None) as batch_op:
        batch_op.drop_index("ix_templates_scope_created")
        batch_op.drop_index("ix_templates_owner_created")
    op.drop_table("templates")
